module github.com/msvc-dev/microservice-operator/examples/services

go 1.26
