"""Identity use cases, one module per concept; routers call these, never SQL."""
