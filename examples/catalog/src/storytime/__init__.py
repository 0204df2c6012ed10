"""An example Storytime catalog: three components with their stories."""
