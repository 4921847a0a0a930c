"""Block Kit: builders for what the app sends (`build`) and a validator of Slack's limits
(`validate`)."""
