"""The manager's own calendar, read from a read-only iCalendar feed.

Pure core: `fetch` (safe download), `events` (parse and expand), `measure` (week figures),
`chart` (PNG), `sample` (workbench calendars). The app wiring lives in `bot/features`.
"""
