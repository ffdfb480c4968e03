"""The procedures' rules (one module per procedure code), registered at start-up."""
