// The example cdk8s app. `cdk8s synth` writes one file per chart to dist/:
//   services.k8s.yaml        the rendered objects, for clusters without the operator
//                            (byte for byte what the operator would apply);
//   msvc-crd.k8s.yaml        the MicroService CRD, and
//   msvc-resources.k8s.yaml  the MicroService custom resources, for clusters running the operator.
// Apply one mode or the other, not both.
//
// A published app imports `microservice-operator/cdk8s`; this one lives in the repository and
// imports the source directly.
import { App, Chart } from 'cdk8s';
import { MicroService, MicroServiceCrd, MicroServiceResource } from '../../cdk8s/index.ts';
import { shopServices } from './services.ts';

const app = new App();
// MSVC_NAMESPACE=shop cdk8s synth: the objects are written for that namespace (callers listed
// without a namespace in allowedCallers mean it); without it, none is written.
const namespace = process.env['MSVC_NAMESPACE'] || undefined;

// Mode 1: cdk8s renders the objects itself.
const services = new Chart(app, 'services', { namespace });
for (const [id, props] of Object.entries(shopServices(services))) {
  new MicroService(services, id, props);
}

// Mode 2: cdk8s emits custom resources; the operator renders them in the cluster.
const crd = new Chart(app, 'msvc-crd');
new MicroServiceCrd(crd, 'microservices');
const resources = new Chart(app, 'msvc-resources', { namespace });
resources.addDependency(crd);
for (const [id, props] of Object.entries(shopServices(resources))) {
  new MicroServiceResource(resources, id, props);
}

app.synth();
