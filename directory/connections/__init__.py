"""The pro space's "Connected applications": the company connects a
partner of the API with a one-time code (its consent to the partner
writing its invoices and sessions), sees what each may do, disconnects."""
