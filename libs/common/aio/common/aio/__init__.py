"""asyncio side of the shared plumbing, used by the gateway."""
