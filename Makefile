# Quick start on a fresh machine: `make demo` or `make test`. Each installs what it needs.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
export QT_QPA_PLATFORM ?= offscreen

.PHONY: demo test lint bench sysdeps clean

# Debian packages the tests and tools need: Qt's runtime libraries for offscreen widgets,
# poppler-utils (pdftoppm/pdftotext) for receipt checks. Installed only when missing.
SYSPKGS := libgl1 libegl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0 poppler-utils
sysdeps:
	@missing=""; for p in $(SYSPKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[sandbox,dev]'
	touch $@

demo: sysdeps $(STAMP)
	QT_QPA_PLATFORM=$${DISPLAY:+xcb} $(VENV)/bin/kiosk demo

lint: $(STAMP)
	$(VENV)/bin/ruff check kiosk sandbox tests bench
	$(VENV)/bin/mypy kiosk sandbox bench

test: sysdeps $(STAMP) lint
	$(PY) -m pytest -q

bench: sysdeps $(STAMP)
	$(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
