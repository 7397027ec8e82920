"""群防 opinion engine: fast Chinese post analysis, independent of Django and of qunfang.

Public API: opinion_engine.types (Post, Analysis, …), opinion_engine.engine.Engine (the whole
pipeline), and the stages it is made of, each usable alone.
"""
