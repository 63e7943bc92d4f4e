"""Channel adapters: they only translate between a provider's wire format and the engine."""
