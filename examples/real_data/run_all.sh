#!/usr/bin/env bash
# Complete runs of the twoclass command line on four real datasets (docs/real-data.md shows the results).
#   bash examples/real_data/run_all.sh            # from the repository root, with the venv's `twoclass` on PATH
# Datasets come from $TWOCLASS_DATASETS (default ../shared/datasets); everything is written under $OUT.
set -euo pipefail
D=${TWOCLASS_DATASETS:-../shared/datasets}
OUT=${OUT:-real-data-output}
HERE=$(dirname "$0")
PY=${PYTHON:-python}
mkdir -p "$OUT"

# Titanic: mixed columns, missing values, identifiers (PassengerId, Name, Ticket are dropped with a notice).
$PY "$HERE/split.py" "$D/titanic.csv" Survived "$OUT"
twoclass train "$OUT/titanic_train.csv" --target Survived --out "$OUT/titanic_model"
twoclass evaluate "$OUT/titanic_model" "$OUT/titanic_test.csv" --out "$OUT/titanic_report.html" \
    --json "$OUT/titanic_figures.json"

# Adult: its official split (train on adult_train.csv, evaluate on adult_test.csv); labels '>50K' / '<=50K'.
twoclass train "$D/adult_train.csv" --target income --positive '>50K' --quiet --out "$OUT/adult_model"
twoclass evaluate "$OUT/adult_model" "$D/adult_test.csv" --out "$OUT/adult_report.html" \
    --json "$OUT/adult_figures.json"

# SMS spam: one text column (TF-IDF word 1-2 grams), 13% spam.
$PY "$HERE/split.py" "$D/sms_spam_collection.csv" label "$OUT"
twoclass train "$OUT/sms_spam_collection_train.csv" --target label --positive spam --quiet \
    --out "$OUT/sms_model"
twoclass evaluate "$OUT/sms_model" "$OUT/sms_spam_collection_test.csv" --out "$OUT/sms_report.html" \
    --json "$OUT/sms_figures.json"
twoclass predict "$OUT/sms_model" "$OUT/sms_spam_collection_test.csv" --out "$OUT/sms_predictions.csv"

# Sentiment sentences: short reviews from amazon / imdb / yelp, label 1 = positive.
$PY "$HERE/split.py" "$D/sentiment_labelled_sentences.csv" label "$OUT"
twoclass train "$OUT/sentiment_labelled_sentences_train.csv" --target label --text sentence --quiet \
    --out "$OUT/sentiment_model"
twoclass evaluate "$OUT/sentiment_model" "$OUT/sentiment_labelled_sentences_test.csv" \
    --out "$OUT/sentiment_report.html" --json "$OUT/sentiment_figures.json"
twoclass inspect "$OUT/sentiment_model"

# One picture from each report for the docs.
$PY "$HERE/picture.py" "$OUT/titanic_report.html" "Learning curves" docs/images/titanic_learning_curves.png
$PY "$HERE/picture.py" "$OUT/adult_report.html" "ROC curve" docs/images/adult_roc.png
$PY "$HERE/picture.py" "$OUT/sms_report.html" "Precision-recall curve" docs/images/sms_precision_recall.png
$PY "$HERE/picture.py" "$OUT/sentiment_report.html" "Metrics against threshold" docs/images/sentiment_threshold.png
