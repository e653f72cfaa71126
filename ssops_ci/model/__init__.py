"""Frozen values that flow through the pipeline.

Request -> Stack -> Changes -> Findings -> Cost -> Risk -> Decision -> Report.
"""
