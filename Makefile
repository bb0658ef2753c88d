# Quick start on a fresh machine: `make demo` or `make test`. Each installs what it needs.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PKGS   ?= $(SYSPKGS)
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench sysdeps clean

# Debian packages the tests and tools need: Qt's runtime libraries for offscreen widgets,
# poppler-utils (pdftoppm/pdftotext) for receipt checks. Installed only when missing.
# The demo on a real screen also needs Qt's xcb platform libraries.
SYSPKGS := libgl1 libegl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0 poppler-utils
# postgresql: server binaries, the store suite starts a throwaway server (tests/store).
SYSPKGS += postgresql
# softhsm2 + opensc: the holder's PKCS#11 token at the counter desk (tests/desk).
SYSPKGS += softhsm2 opensc
# R33's lockdown test: a real X server and window manager, the xcb platform, X tools.
SYSPKGS += xvfb openbox xdotool wmctrl x11-utils libxkbcommon-x11-0 libxcb-cursor0 \
	libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-render-util0 libxcb-image0 libxcb-randr0 \
	libxcb-xkb1
# R31 receipt: a real keyring (gnome-keyring on a private D-Bus session) and a CUPS queue.
SYSPKGS += gnome-keyring dbus-x11 cups printer-driver-cups-pdf
DEMO_SYSPKGS := $(SYSPKGS) libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 \
	libxcb-shape0 libxcb-render-util0 libxcb-image0 libxcb-randr0 libxcb-xkb1 xvfb
sysdeps:
	@missing=""; for p in $(PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	@echo "installing Python packages into $(VENV) (log: $(VENV)/pip.log)"
	@$(PY) -m pip install -q --upgrade pip > $(VENV)/pip.log 2>&1 || { cat $(VENV)/pip.log; exit 1; }
	@$(PY) -m pip install -q -e '.[sandbox,dev]' >> $(VENV)/pip.log 2>&1 || { cat $(VENV)/pip.log; exit 1; }
	touch $@

demo: $(STAMP)
	@$(MAKE) --no-print-directory sysdeps PKGS="$(DEMO_SYSPKGS)"
	$(VENV)/bin/kiosk demo

lint: $(STAMP)
	$(VENV)/bin/ruff check kiosk sandbox tests bench
	$(VENV)/bin/mypy kiosk sandbox bench

test: sysdeps $(STAMP) lint
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

bench: sysdeps $(STAMP)
	@QT_QPA_PLATFORM=offscreen $(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# The one catalog of texts (README "Translations"): resources/locale/<lang>/LC_MESSAGES/kiosk.po.
# `make catalog` rebuilds the template from zh_Hant (the source language), carries new ids
# into every .po and compiles the .mo files the kiosk reads at start (never committed).
LOCALES := resources/locale
MO_FILES := $(patsubst %.po,%.mo,$(wildcard $(LOCALES)/*/LC_MESSAGES/kiosk.po))
.PHONY: catalog mo
catalog: $(STAMP)
	$(PY) -m kiosk.i18n_build $(LOCALES)
	$(VENV)/bin/pybabel -q update -i $(LOCALES)/kiosk.pot -d $(LOCALES) -D kiosk --no-wrap \
	  --no-fuzzy-matching --ignore-pot-creation-date
	$(VENV)/bin/pybabel compile -d $(LOCALES) -D kiosk --statistics
mo: $(MO_FILES)
$(LOCALES)/%/LC_MESSAGES/kiosk.mo: $(LOCALES)/%/LC_MESSAGES/kiosk.po $(STAMP)
	$(VENV)/bin/pybabel -q compile -i $< -o $@
test demo bench: mo
# The Debian packages of `make demo` alone (for running `xvfb-run kiosk demo` directly).
demo-sysdeps:
	@$(MAKE) --no-print-directory sysdeps PKGS="$(DEMO_SYSPKGS)"

# docs/flow.svg: the renewal's navmap drawn from the code (`kiosk flow graph`), with Debian's graphviz.
.PHONY: docs
docs: $(STAMP)
	@$(MAKE) --no-print-directory sysdeps PKGS="graphviz"
	$(VENV)/bin/kiosk flow graph > docs/flow.dot.tmp
	dot -Tsvg docs/flow.dot.tmp -o docs/flow.svg
	rm -f docs/flow.dot.tmp

# issue 12: the fault suite (tests/faults) over real HTTP through a fault-injecting proxy;
# the generated-input cases run first and their count goes into the last JSON line.
# `make test` runs both as part of pytest (tests/faults/test_faults_suite.py).
.PHONY: faults
faults: sysdeps $(STAMP)
	@QT_QPA_PLATFORM=offscreen KIOSK_FUZZ_COUNT_FILE=$(VENV)/fuzz_cases \
	  $(PY) -m pytest -q -p no:cacheprovider tests/services/test_generated_inputs.py \
	  tests/receipt/test_r31_seal_decoder_generated.py >&2
	@QT_QPA_PLATFORM=offscreen KIOSK_FUZZ_COUNT_FILE=$(VENV)/fuzz_cases $(PY) -m tests.faults.suite
# The packaged kiosk (packaging/kiosk.spec, docs/deploy.md): one folder dist/kiosk/, then a
# smoke run of the built app offscreen that saves its first screen to dist/smoke.png.
# Not part of `make test` (a build takes a minute or more). KIOSK_PACKAGE_SANDBOX=1 adds the sandbox.
.PHONY: package
package: sysdeps $(STAMP) mo
	$(PY) -m pip install -q -e '.[package]' >> $(VENV)/pip.log 2>&1 || { tail $(VENV)/pip.log; exit 1; }
	$(VENV)/bin/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build packaging/kiosk.spec
	QT_QPA_PLATFORM=offscreen dist/kiosk/kiosk smoke dist/smoke.png
	@du -sh dist/kiosk
