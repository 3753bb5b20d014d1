"""Open data for portals and aid registries: the DCAT-AP-SE catalogue (`dcat`), the IATI
activity files (`iati`), and what search engines read (`robots`); docs/open-data.md."""
