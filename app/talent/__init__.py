"""Talent rules without a database: probation length and pay, competency pictures and their
summary phrases, and the small onboarding learning-path rule."""
