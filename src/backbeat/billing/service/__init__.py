"""Billing use cases, one module per concept; routers import the module they need."""
