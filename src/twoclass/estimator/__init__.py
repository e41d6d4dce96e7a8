"""The scikit-learn estimator: `params` (its parameters, declared once as a table), `inputs` (X and y as they come),
`training` (the networks, threshold, calibration, figures), `state` (a fitted estimator as JSON and back),
`classifier` (`TwoClassClassifier`), `files` (model directories for estimators and Keras-style models)."""
