"""The pipeline's analytics (issue 15, "Screens › Analytics"): the funnel of
a pipeline (``funnel``), and for a company its revenue by client, Pareto
share and client value (``clients``), their charts' geometry (``charts``),
the pro's margin rate and client costs (``forms``, ``services``), and the
pages (``views``, ``urls``)."""
