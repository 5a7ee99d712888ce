"""Sensor alarms: devices bound to a building or a place send readings; a rule per device
kind (over the threshold N times within M minutes) opens one case and one ticket, which is
resolved when readings stay normal long enough. See :mod:`.service` for the case logic and
``training_data/alarm_rules.yml`` for the rules staff read and edit."""
