"""The Qt layer of CityDesk: panes, models, dialogs, settings, theme and translations."""
