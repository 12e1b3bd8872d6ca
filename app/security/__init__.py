"""The trust core: accounts and permissions, password hashing, the tamper-evident audit chain and
field encryption. Plain Python (no Qt, no database sessions except through SQLAlchemy Core where a
function says so)."""
