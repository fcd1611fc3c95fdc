# Thin wrapper over CMake. The two commands a new user needs:
#   make demo   install dependencies, build, run the main job
#   make test   install dependencies, build, run every test
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

TSAN_BUILD ?= build-tsan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZERS = fuzz_model_load fuzz_xgboost_import fuzz_ubjson_import fuzz_population_read fuzz_score_file fuzz_pseudonymise

.PHONY: all deps build test demo sanitize tsan fuzz bench install docs clean abi-baseline

all: build

deps:
	@.ci/install-deps

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# The main job: a 315,000-patient synthetic area scored with the shipped
# demonstration models, and the per-practice summary printed.
demo: build
	sh examples/demo.sh $(BUILD)/bindings/cli/ristra $(BUILD)/demo

# AddressSanitizer + UndefinedBehaviorSanitizer build of the library and its C tests.
sanitize: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DRISTRA_SANITIZE=ON -DRISTRA_BUILD_BENCHMARKS=OFF
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS) -L sanitize

# ThreadSanitizer build (clang) of the library and the thread tests (label "tsan").
tsan: deps
	cmake -S . -B $(TSAN_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
	    -DCMAKE_BUILD_TYPE=Debug -DRISTRA_TSAN=ON -DRISTRA_BUILD_BENCHMARKS=OFF
	cmake --build $(TSAN_BUILD) -j $(JOBS) --target tsan_tests
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	    ctest --test-dir $(TSAN_BUILD) --output-on-failure -j $(JOBS) -L tsan

# A bounded libFuzzer run of every harness (FUZZ_SECONDS each, clang),
# starting from the committed corpora; new inputs go to $(FUZZ_BUILD)/new-corpus,
# crashes to $(FUZZ_BUILD)/crashes. The corpora are replayed by ctest in every build.
fuzz: deps
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
	    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRISTRA_LIBFUZZER=ON -DRISTRA_BUILD_BENCHMARKS=OFF
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target $(FUZZERS)
	@for f in $(FUZZERS); do \
	    t=$${f#fuzz_}; mkdir -p $(FUZZ_BUILD)/new-corpus/$$t $(FUZZ_BUILD)/crashes; \
	    echo "== $$f: $(FUZZ_SECONDS) s"; \
	    ASAN_OPTIONS=detect_leaks=1 $(FUZZ_BUILD)/tests/$$f -max_total_time=$(FUZZ_SECONDS) \
	        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	        -artifact_prefix=$(FUZZ_BUILD)/crashes/$$t- \
	        $(FUZZ_BUILD)/new-corpus/$$t tests/fuzz/corpus/$$t || exit 1; \
	done
# Rewrites tests/abi/libristra.so.<major>.abi from a fresh build: only for a
# deliberate ABI change (a new major version), see README "Changing the ABI".
abi-baseline: build
	cmake --build $(BUILD) --target abi-baseline

install: build
	cmake --install $(BUILD)

# The C API reference (Doxygen), from the headers: $(BUILD)/docs/api/html/index.html
docs: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) --target docs

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD)
