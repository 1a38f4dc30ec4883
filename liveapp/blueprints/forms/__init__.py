"""Form parsing for the settings pages: htmx forms' numbered rows in, settings data out,
and the errors put back on their rows.

    criteria_form    criteria condition rows (segments, routing rules, experiences)
    experience_form  an experience's URL rules and flow steps
"""
