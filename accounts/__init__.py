"""Who, where, may-they: users, the office hierarchy, roles and memberships, the one
scoping module, and the tamper-evident audit log."""
