"""Components of the example catalog."""
