"""The vocabulary of a verdict, as data: the contract areas and a violation (`areas`), findings and root causes
(`findings`), the verdict of a run (`verdict`), the known root causes of a target (`baseline`)."""
