"""The French gazetteer: communes, arrondissements, other names and postal
codes (INSEE's COG and La Poste's table), the place parser
(:mod:`.parse`), and the lookups search and forms use (:mod:`.resolve`)."""
