"""The report face: ``csanalysis report`` writes index.html, results.json and figures."""
