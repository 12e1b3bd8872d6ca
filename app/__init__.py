"""HR Desk core: everything that does not need Qt.

Importing this package has no side effects.
"""

__version__ = "0.1.0"
APP_ID = "hrdesk"
APP_NAME = "HR Desk"
