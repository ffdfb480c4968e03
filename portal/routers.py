"""Database routing: the central store's models live in the ``central`` database only."""

CENTRAL_APPS = {"central"}


class CentralStoreRouter:
    """Send the ``central`` app to the ``central`` alias and keep everything else out of it."""

    def db_for_read(self, model, **hints):
        return "central" if model._meta.app_label in CENTRAL_APPS else None

    db_for_write = db_for_read

    def allow_relation(self, obj1, obj2, **hints):
        in_central = {obj1._meta.app_label in CENTRAL_APPS, obj2._meta.app_label in CENTRAL_APPS}
        return len(in_central) == 1 or None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if app_label in CENTRAL_APPS:
            return db == "central"
        # Other aliases (the read replica) are the other routers' call.
        return False if db == "central" else None
