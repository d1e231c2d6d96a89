"""The pro space's shell (``/espace-pro/``): its entry and each company's dashboard.
The pages of each feature live with the feature (companies, team, quotes)."""
