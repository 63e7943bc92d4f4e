"""The Spanish dialogue: from what a relative writes to the next reply, channel-neutral."""
