"""Files of rows that pros upload (invoices, completed sessions): reading
CSV and .xlsx in the encodings French tools write (``files``), French
dates and amounts (``values``), which column holds which field
(``columns``), the sheet kept between the preview steps (``sheet``) and
the column-choice form (``forms``)."""
