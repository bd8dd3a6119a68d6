# netkube: make up | make test | make build | make bench | make clean
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all deps configure build test unit e2e up down bench fuzz clean

all: build

deps:
	@bash scripts/deps.sh

$(BUILD)/build.ninja: CMakeLists.txt
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

configure: $(BUILD)/build.ninja

build: deps configure
	cmake --build $(BUILD) -j $(JOBS)

# Every test: unit tests, then the e2e tests (each inside a private network namespace).
test: build
	cd $(BUILD) && ../scripts/in-netns ctest --output-on-failure -j $(JOBS) --timeout 900

unit: build
	cd $(BUILD) && ../scripts/in-netns ctest --output-on-failure -L unit -j $(JOBS)

e2e: build
	cd $(BUILD) && ../scripts/in-netns ctest --output-on-failure -L e2e

up: build
	@bash scripts/up.sh

down:
	@bash scripts/down.sh

bench: build
	@bash bench/run.sh

fuzz: deps
	cmake -S . -B $(BUILD)-fuzz -G Ninja -DNETKUBE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
	  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined"
	cmake --build $(BUILD)-fuzz -j $(JOBS) --target json_body_fuzz protobuf_fuzz smp_fuzz api_request_fuzz \
	  spdy_fuzz websocket_fuzz http_fuzz wget_fuzz cni_types_fuzz catalog_fuzz cluster_config_fuzz dns_message_fuzz corefile_fuzz \
	  ingress_compile_fuzz ingress_http_fuzz

clean:
	rm -rf $(BUILD) $(BUILD)-fuzz
