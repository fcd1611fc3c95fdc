# Thin wrapper over CMake. The two commands a new user needs:
#   make demo   install dependencies, build, run the main job
#   make test   install dependencies, build, run every test
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all deps build test demo sanitize bench install docs clean abi-baseline

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
	rm -rf $(BUILD) $(ASAN_BUILD)
