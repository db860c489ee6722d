"""What to send: Hypothesis strategies built from the spec (`strategies`), the values at the edges of its JSON
Schema (`edges`) and values of the wrong type (`wrong_types`)."""
