"""The search service (one entry point for the web page and the API):
trades in what people type (:mod:`.trades`), a place in the trade box
(:mod:`.place_text`), company names (:mod:`.names`), ranking
(:mod:`.ranking`), and the query itself (:mod:`.service`)."""
