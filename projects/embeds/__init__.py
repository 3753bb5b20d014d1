"""Embeds: the registry's live data on other sites (a municipality's own web pages), in
frames: any filtered project list, one project's card and the partner-country map, under
/embed/; and the builder page that writes the snippet. docs/open-data.md, "Embeds"."""
