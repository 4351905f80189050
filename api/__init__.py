"""HTTP edge of lianping: app factory (``api.main.create_app``), routers, schemas, errors, auth."""
