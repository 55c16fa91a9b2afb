"""Static files storage: hashed, compressed names, and no outage when collectstatic is missed."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's manifest storage that falls back to a file's plain name.

    Without a manifest (collectstatic not run, or a file added since) the stock storage
    raises and every page answers 500. A forgotten collectstatic may cost cache-busting,
    never the site: the plain name is served by WhiteNoise from the app folders
    (``WHITENOISE_USE_FINDERS``), and system check ``timetracker.W002`` says so.
    """

    def stored_name(self, name):
        try:
            return super().stored_name(name)
        except ValueError:
            return name
