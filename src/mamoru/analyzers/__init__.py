"""Analyzers read files offered by the layer walk and return inventory (packages, OS facts, notes)."""
