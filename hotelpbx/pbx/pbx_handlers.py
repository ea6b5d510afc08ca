from . import link  # noqa: F401  (BootUp and ConfigChange handlers live with the link)
