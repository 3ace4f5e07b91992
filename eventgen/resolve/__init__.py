"""A conf resolved against the plugins: which plugin each stanza uses, every setting parsed and checked, the
samples built (`load` → `RunConfig`). Above the plugin API, below everything that runs a conf."""
