"""The bundled Nong Pho sample: a self-authored, fictional eco-industrial town (see README.md)."""
