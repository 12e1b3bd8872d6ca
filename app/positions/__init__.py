"""Positions (岗位): screening-rule language, competency models, question bank, interview plans, Excel I/O.

Pure core, no database and no Qt: the services layer stores what these modules return.

- ``rules``      keyword rules with AND/OR/NOT, synonyms, explanations with character spans;
- ``competency`` competency models (weights summing to 100, pass bars) and family templates;
- ``questions``  the question dataclass and the controlled vocabularies of the bank;
- ``plan``       interview plans balanced across weighted dimensions, reproducible with a seed;
- ``bank``       loaders for the starter bank (``resources/questions/*.toml``) and CMExam;
- ``excel``      templates, export and row-validated import of positions and questions.
"""
