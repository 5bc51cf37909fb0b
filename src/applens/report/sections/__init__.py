"""Built-in report sections, one module each; every module registers its function with
``applens.report._registry.register`` when imported (the registry imports them all)."""
