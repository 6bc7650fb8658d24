// Runs Python code to its end on MicroPython's webassembly port: used by the
// rig's wasm target (wasm_run.mjs) and the browser playground (playground.py
// inlines it into micropython-runtime.js). A classic script: defines
// microlearnExec(mp) -> async exec(code), for mp = await loadMicroPython(...).
//
// Why not the port's runPython(): with emscripten 3.1.6 it makes a synchronous
// call, refused ("running asynchronously") as soon as the code collects garbage,
// which scans wasm registers through Asyncify (an unwind, resumed from a timer).
// So the call is made async, and while it is suspended nothing else may enter
// the module: the port's FinalizationRegistry would free a dropped proxy object
// (proxy_c_free_obj) from that timer turn; such frees wait for the call's end.
function microlearnExec(mp) {
    const M = mp._module;
    const ccall = M.ccall;
    let running = false;
    const deferred = [];
    M.ccall = function (ident, returnType, argTypes, args, opts) {
        if (running && ident === "proxy_c_free_obj") {
            deferred.push(args);
            return null;
        }
        return ccall.call(M, ident, returnType, argTypes, args, opts);
    };
    return async function exec(code) {
        const len = M.lengthBytesUTF8(code);
        const buf = M._malloc(len + 1);
        const value = M._malloc(3 * 4); // the code's result: unused (results go through files)
        M.stringToUTF8(code, buf, len + 1);
        running = true;
        try {
            await ccall.call(M, "mp_js_do_exec", "number", ["pointer", "number", "pointer"], [buf, len, value], {
                async: true,
            });
        } finally {
            running = false;
            M._free(buf);
            M._free(value);
            for (const args of deferred.splice(0)) ccall.call(M, "proxy_c_free_obj", "null", ["number"], args);
        }
    };
}
