"""The mixed load, the mail sink and the invariant checks of bin/prod-load.

`driver` speaks only HTTP and SMTP on 127.0.0.1; `prepare` and `check`
read and seed the database through the application's own services.
"""
