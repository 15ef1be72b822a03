"""The course as a website (``make site``): lectures executed once, built by Sphinx + myst-nb
into ``site/``, with launch buttons and no solutions. README "The course as a website"."""
