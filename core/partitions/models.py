"""No models: partitions are tables PostgreSQL keeps (the module makes ``post_migrate`` reach
this app, see ``apps``)."""
