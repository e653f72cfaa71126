"""Operations around the pipeline: the demo, the doctor, the metrics page, and the default wiring."""
