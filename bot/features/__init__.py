"""Pendulum's capabilities. Each module exposes `install(router)` and registers its
subcommands, buttons, modals and events; `bot.app.install_all` wires them in a fixed order.
This package imports none of them, so importing one feature never pulls in the rest."""
