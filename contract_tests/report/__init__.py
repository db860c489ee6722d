"""Renderers only: the HTML report (`html`) and its coverage matrix (`matrix`)."""
